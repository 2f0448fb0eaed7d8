"""Face-verification figures from similarity scores of genuine (same person) and impostor pairs:
equal error rate, and the true-accept rate where the false-accept rate is at most a target."""

from __future__ import annotations

import numpy as np


def pair_scores(embeddings: np.ndarray, identities: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) L2-normalised embeddings → cosine similarities of all genuine and all impostor pairs."""
    sims = embeddings @ embeddings.T
    genuine, impostor = [], []
    for i in range(len(identities)):
        for j in range(i + 1, len(identities)):
            (genuine if identities[i] == identities[j] else impostor).append(sims[i, j])
    return np.array(genuine), np.array(impostor)


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(EER, threshold): the threshold (accept when score ≥ it) where FRR and FAR are closest."""
    best = (2.0, 0.0, 0.0)
    for t in np.unique(np.concatenate([genuine, impostor])):
        frr, far = float((genuine < t).mean()), float((impostor >= t).mean())
        if abs(frr - far) < best[0]:
            best = (abs(frr - far), (frr + far) / 2, float(t))
    return best[1], best[2]


def threshold_at_far(impostor: np.ndarray, far: float) -> float:
    """The lowest threshold whose false-accept rate on these impostors is at most `far`."""
    ordered = np.sort(impostor)[::-1]
    allowed = int(np.floor(far * len(ordered)))  # impostors that may score at or above it
    return float(np.nextafter(ordered[allowed], np.inf)) if allowed < len(ordered) else float(ordered[-1])


def tar_at(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> tuple[float, float]:
    """(true-accept rate, false-accept rate) when accepting score ≥ threshold."""
    return float((genuine >= threshold).mean()), float((impostor >= threshold).mean())
