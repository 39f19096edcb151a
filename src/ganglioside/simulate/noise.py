"""Deterministic per-key noise: the same name (or group) always gets the same deviation within a
seed, wherever it appears (species, fragment or misannotation)."""

from __future__ import annotations

import numpy as np

_M64 = (1 << 64) - 1


def hash_uniform(seed: int, keys: np.ndarray, stream: int) -> np.ndarray:
    """Uniform (0, 1) numbers, a pure function of (seed, key, stream) (splitmix64 finaliser)."""
    salt = np.uint64((seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03) & _M64)
    with np.errstate(over="ignore"):
        x = np.asarray(keys, dtype=np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x = x ^ salt
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def hash_normal(seed: int, keys: np.ndarray, stream: int) -> np.ndarray:
    """Standard normal numbers, a pure function of (seed, key, stream) (Box-Muller)."""
    u1 = hash_uniform(seed, keys, 2 * stream)
    u2 = hash_uniform(seed, keys, 2 * stream + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
