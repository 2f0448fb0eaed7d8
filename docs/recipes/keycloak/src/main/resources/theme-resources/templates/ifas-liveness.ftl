<#-- The capture page of the ifas-guard liveness step: camera preview, one photo, posted back to the
     authenticator in the field "face" (a JPEG data URL). Nothing about the decision is shown. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
  <#if section = "header">
    ${msg("ifasTitle")}
  <#elseif section = "form">
    <p>${msg("ifasInstruction")}</p>
    <video id="ifas-preview" autoplay playsinline muted style="width:100%;max-width:480px"></video>
    <canvas id="ifas-canvas" width="640" height="480" hidden></canvas>
    <form id="ifas-form" action="${url.loginAction}" method="post">
      <input type="hidden" id="ifas-face" name="face">
      <input class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!}" type="submit" id="ifas-take" value="${msg("ifasTakePhoto")}">
    </form>
    <script>
      (async () => {
        const video = document.getElementById('ifas-preview');
        const canvas = document.getElementById('ifas-canvas');
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: 640, height: 480 } });
        document.getElementById('ifas-form').addEventListener('submit', (event) => {
          canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
          document.getElementById('ifas-face').value = canvas.toDataURL('image/jpeg', 0.92);
        });
      })();
    </script>
  </#if>
</@layout.registrationLayout>
