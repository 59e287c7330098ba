"""The math of lora-influence-v1: DataInf's per-layer closed-form inverse, as pure functions.

Per LoRA module l, with projected per-record gradients v_il (k values) of n records,
DataInf replaces (G_l + lambda_l I)^-1, G_l = (1/n) sum_i v_il v_il^T, by the average of the
rank-one inverses, each exact by Sherman-Morrison:

    (G_l + lambda_l I)^-1  ~  (1/n) sum_i (v_il v_il^T + lambda_l I)^-1
                            =  (I - M_l) / lambda_l,
    M_l = (1/n) sum_i v_il v_il^T / (lambda_l + |v_il|^2),
    lambda_l = damping * (1/n) sum_i |v_il|^2.

The score of record i for a query gradient g is sum_l v_il . P_l g_l with P_l = (I - M_l)/lambda_l
(positive: training on i lowered the loss of the output, i.e. i helped produce it). P_l is
computed once at training time, so a query is one backward pass, L small k x k products and
one n x (L k) matrix-vector product.
"""

from __future__ import annotations

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError


def compute_datainf_preconditioners(
    grads: np.ndarray, modules: int, damping: float
) -> tuple[np.ndarray, np.ndarray]:
    """(P: modules x k x k float64, lambdas: modules) from grads (n x modules*k)."""
    n, width = grads.shape
    if n == 0:
        raise AttributionError("cannot build influence features from zero records")
    if modules <= 0 or width % modules:
        raise AttributionError(f"gradient width {width} is not a multiple of {modules} modules")
    if not damping > 0:
        raise AttributionError(f"damping must be positive, got {damping}")
    k = width // modules
    blocks = grads.astype(np.float64).reshape(n, modules, k)
    preconditioners = np.zeros((modules, k, k), dtype=np.float64)
    lambdas = np.zeros(modules, dtype=np.float64)
    for layer in range(modules):
        v = blocks[:, layer, :]
        squared = np.einsum("ij,ij->i", v, v)
        lam = damping * float(squared.mean())
        if lam <= 0:
            lam = damping
        weights = 1.0 / (lam + squared)
        m = (v * weights[:, None]).T @ v / n
        preconditioners[layer] = (np.eye(k) - m) / lam
        lambdas[layer] = lam
    return preconditioners, lambdas


def compute_preconditioned_query(query: np.ndarray, preconditioners: np.ndarray) -> np.ndarray:
    """r = blockdiag(P_l) g for a query gradient g (modules*k), as float32."""
    modules, k, _ = preconditioners.shape
    if query.shape != (modules * k,):
        raise AttributionError(f"query gradient has shape {query.shape}, want ({modules * k},)")
    blocks = query.astype(np.float64).reshape(modules, k)
    return np.einsum("lij,lj->li", preconditioners, blocks).reshape(-1).astype(np.float32)


def compute_influence_scores(
    grads: np.ndarray, query: np.ndarray, preconditioners: np.ndarray
) -> np.ndarray:
    """DataInf helpfulness score of every record (n, float64) for one query gradient."""
    r = compute_preconditioned_query(query, preconditioners)
    return (grads @ r).astype(np.float64)


def compute_dot_scores(grads: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Plain gradient dot products (TracIn-style, one checkpoint), n float64."""
    return (grads @ query.astype(np.float32)).astype(np.float64)


def compute_layer_scores(
    grads: np.ndarray, query: np.ndarray, preconditioners: np.ndarray
) -> np.ndarray:
    """Each LoRA module's share of the influence score: n x modules float64 (rows sum to
    compute_influence_scores)."""
    modules, k, _ = preconditioners.shape
    r = compute_preconditioned_query(query, preconditioners).reshape(modules, k)
    blocks = grads.reshape(grads.shape[0], modules, k)
    return np.einsum("nlk,lk->nl", blocks, r, dtype=np.float32).astype(np.float64)


def compute_exact_preconditioners(grads: np.ndarray, modules: int, damping: float) -> np.ndarray:
    """P_l = (G_l + lambda_l I)^-1 exactly, G_l = (1/n) sum_i v_il v_il^T (modules x k x k).

    The inverse DataInf approximates, affordable in the projected space (k x k per module);
    lambda_l is DataInf's (damping times the mean squared gradient norm of module l).
    """
    n, width = grads.shape
    if n == 0 or modules <= 0 or width % modules or not damping > 0:
        raise AttributionError("need records, a whole number of modules and a positive damping")
    k = width // modules
    blocks = grads.astype(np.float64).reshape(n, modules, k)
    out = np.zeros((modules, k, k), dtype=np.float64)
    for layer in range(modules):
        v = blocks[:, layer, :]
        lam = damping * float(np.einsum("ij,ij->i", v, v).mean()) or damping
        out[layer] = np.linalg.inv(v.T @ v / n + lam * np.eye(k))
    return out


def compute_self_influence(grads: np.ndarray, preconditioners: np.ndarray) -> np.ndarray:
    """v_i^T P v_i of every record (n float64, >= 0 for positive definite P)."""
    modules, k, _ = preconditioners.shape
    blocks = grads.astype(np.float64).reshape(grads.shape[0], modules, k)
    total = np.zeros(grads.shape[0], dtype=np.float64)
    for layer in range(modules):
        v = blocks[:, layer, :]
        total += np.einsum("ij,ij->i", v @ preconditioners[layer].T, v)
    return np.maximum(total, 0.0)


def compute_layer_calibrated(layer_scores: np.ndarray) -> np.ndarray:
    """Sum over modules of each module's scores divided by their spread across records, so
    every module has one vote whatever the scale of its gradients (n float64)."""
    spread = layer_scores.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    return (layer_scores / spread).sum(axis=1)


def compute_relative_influence(scores: np.ndarray, self_influence: np.ndarray) -> np.ndarray:
    """scores / sqrt(self-influence): the cosine-like normalisation of RelatIF, so records with
    large gradients (poorly fit, outliers) do not dominate every query (n float64)."""
    norm = np.sqrt(np.asarray(self_influence, dtype=np.float64))
    floor = float(norm.max()) * 1e-6 if norm.size and norm.max() > 0 else 1.0
    return np.asarray(scores, dtype=np.float64) / np.maximum(norm, floor)
