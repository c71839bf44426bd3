"""The one scikit-learn helper that moved between versions: ``validate_data`` (1.6+)."""

from __future__ import annotations

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - scikit-learn 1.4 / 1.5
    _validate_data = None

__all__ = ["validate_data"]


def validate_data(estimator, X, **check_params):
    """Check ``X`` and record (``reset=True``) or compare ``n_features_in_`` and feature names.

    Non-numeric input (``dtype=None``) is allowed; NaN and infinity in numeric input are not.
    """
    if _validate_data is not None:
        return _validate_data(estimator, X, **check_params)
    return estimator._validate_data(X, **check_params)  # pragma: no cover
