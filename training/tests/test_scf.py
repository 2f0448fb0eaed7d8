"""SCF: keyword dictionary, the filter, the fine-tuned spoof-aware captioner, statistics, and the
OpenAI-compatible captioner against a local stub server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np

from ifas.data.attacks import ATTACKS, bona_fide
from ifas.scf.algorithm import keep_caption, run_scf
from ifas.scf.captioner import Sample
from ifas.scf.keywords import media_named, medium_named
from ifas.scf.offline_captioner import OfflineGeneralCaptioner
from ifas.scf.openai_captioner import OpenAICompatibleCaptioner


def samples(n: int = 160) -> list[Sample]:
    rng = np.random.default_rng(0)
    face = np.full((64, 64, 3), 120, np.float32)
    out = []
    for i in range(n):
        family = ["live", "print", "replay", "mask"][i % 4]
        _, params = bona_fide(face, rng, face.shape[0]) if family == "live" else ATTACKS[family](face, rng, face.shape[0])
        out.append(Sample(f"s{i}", f"id{i // 8}", family, params))
    return out


def test_keyword_dictionary_is_the_runtime_one_and_matches_whole_words() -> None:
    assert media_named("The face is shown on a phone screen.") == {"replay"}
    assert medium_named("A paper mask with cut-out eyes.") == "mask"
    assert medium_named("The displayed passport is genuine.") is None
    assert medium_named("Printed on glossy paper.") == "print"


def test_filter_keeps_only_captions_that_name_the_correct_medium() -> None:
    assert keep_caption("replay", "A pixel grid shows it is on a screen.")
    assert not keep_caption("replay", "The face is printed on paper.")  # wrong medium
    assert not keep_caption("print", "Fine stripes run across the image.")  # no keyword


def test_scf_keeps_some_drops_others_and_the_spoof_aware_captions_name_the_medium() -> None:
    data = samples()
    result = run_scf(data, OfflineGeneralCaptioner(seed=0))
    for family in ("print", "replay", "mask"):
        assert 0 < result.kept[family] < result.kept[family] + result.dropped[family]
    assert sum(result.wrong_medium.values()) > 0
    fakes = [s for s in data if not s.is_live]
    named = sum(medium_named(result.captions[s.sample_id]) == s.family for s in fakes)
    generic_named = sum(medium_named(result.general_captions[s.sample_id]) == s.family for s in fakes)
    assert named == len(fakes)  # T_S names the medium every time
    assert generic_named < 0.6 * len(fakes)  # T_F mostly does not
    for s in data:
        if s.is_live:
            assert medium_named(result.captions[s.sample_id]) is None
    assert "kept" in result.report()


class StubVisionEndpoint(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StubVisionEndpoint.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        answer = {"choices": [{"message": {"content": "A face shown on a tablet screen with a bezel."}}]}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


def test_openai_compatible_captioner_talks_to_a_local_endpoint(monkeypatch) -> None:
    server = HTTPServer(("127.0.0.1", 0), StubVisionEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("IFAS_CAPTIONER_API_KEY", "secret-key")
        captioner = OpenAICompatibleCaptioner(f"http://127.0.0.1:{server.server_port}/v1", model="stub-vlm")
        sample = Sample("s1", "id1", "replay", {}, np.zeros((8, 8, 3), np.uint8))
        assert captioner.caption(sample) == "A face shown on a tablet screen with a bezel."
        sent = StubVisionEndpoint.requests[-1]
        assert sent["auth"] == "Bearer secret-key"
        content = sent["body"]["messages"][0]["content"]
        assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
        tuned = captioner.fine_tune([(sample, "The face is on a phone screen.")])
        tuned.caption(sample)
        assert "phone screen" in StubVisionEndpoint.requests[-1]["body"]["messages"][0]["content"][0]["text"]
    finally:
        server.shutdown()
