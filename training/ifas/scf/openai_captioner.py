"""A captioner backed by an OpenAI-compatible vision endpoint (optional; SCF runs offline without it).

POST {base_url}/chat/completions with the image as a PNG data URL and the neutral prompt
"Describe this image in one or two sentences." (docs/method.md §3). The API key is read
from an environment variable and never logged. Requests are bounded by a timeout and a small number of
retries with exponential backoff.

A remote model cannot be fine-tuned from here, so `fine_tune(kept)` returns the same endpoint with a
spoof-aware prompt: a few kept captions of the sample's attack type as examples of naming the medium
(in-context adaptation instead of weight updates).
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field

from PIL import Image

from .captioner import Sample

GENERAL_PROMPT = "Describe this image in one or two sentences."


def png_data_url(pixels) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class OpenAICompatibleCaptioner:
    base_url: str
    model: str
    api_key_env: str = "IFAS_CAPTIONER_API_KEY"
    timeout_s: float = 30.0
    retries: int = 3
    examples: dict[str, list[str]] = field(default_factory=dict)
    name: str = "openai-compatible"

    def prompt_for(self, sample: Sample) -> str:
        shots = self.examples.get(sample.family, [])
        if not shots:
            return GENERAL_PROMPT
        listed = "\n".join(f"- {caption}" for caption in shots[:4])
        return (f"{GENERAL_PROMPT} If the face is presented through a medium (a print, a screen, a mask), "
                f"name the medium and the visible evidence, as in these examples:\n{listed}")

    def caption(self, sample: Sample) -> str:
        if sample.pixels is None:
            raise ValueError("the OpenAI-compatible captioner needs the sample's pixels")
        body = json.dumps({
            "model": self.model,
            "max_tokens": 80,
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": self.prompt_for(sample)},
                {"type": "image_url", "image_url": {"url": png_data_url(sample.pixels)}},
            ]}],
        }).encode()
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(f"{self.base_url.rstrip('/')}/chat/completions", body, headers, method="POST")
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    answer = json.loads(response.read())
                return str(answer["choices"][0]["message"]["content"]).strip()
            except (urllib.error.URLError, TimeoutError) as error:
                retryable = not isinstance(error, urllib.error.HTTPError) or error.code in (429, 500, 502, 503, 504)
                if attempt == self.retries or not retryable:
                    raise RuntimeError(f"captioner endpoint failed after {attempt + 1} attempt(s): {error}") from None
                time.sleep(min(8.0, 0.5 * 2**attempt))
        raise AssertionError("unreachable")

    def fine_tune(self, kept: list[tuple[Sample, str]]) -> "OpenAICompatibleCaptioner":
        examples: dict[str, list[str]] = defaultdict(list)
        for sample, caption in kept:
            examples[sample.family].append(caption)
        return OpenAICompatibleCaptioner(self.base_url, self.model, self.api_key_env, self.timeout_s, self.retries,
                                         dict(examples), name=f"{self.name}+spoof-aware")
