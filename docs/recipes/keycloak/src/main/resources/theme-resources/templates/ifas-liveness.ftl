<#-- The ifas-guard liveness step: a link to ifas-guard's capture page for the liveness session this
     login created (its capture token rides in the URL fragment, which browsers never send to a
     server). The capture page brings the browser back to this step, which redeems the session. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
  <#if section = "header">
    ${msg("ifasTitle")}
  <#elseif section = "form">
    <p id="ifas-instruction">${msg("ifasInstruction")}</p>
    <div class="${properties.kcFormButtonsClass!}">
      <a id="ifas-start" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}"
         href="${ifasCaptureUrl}" rel="noreferrer">${msg("ifasStart")}</a>
    </div>
  </#if>
</@layout.registrationLayout>
