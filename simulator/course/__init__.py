"""Course helpers: predict-then-reveal questions, exercise self-checks, environment check."""

from .exercise import Check, check
from .predict import Prediction, Verdict, predict
from .selfcheck import environment_report

__all__ = ["Check", "Prediction", "Verdict", "check", "environment_report", "predict"]
