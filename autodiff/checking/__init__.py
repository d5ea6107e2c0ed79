"""Checking derivatives: `gradcheck` and `gradgradcheck` against finite differences
(`differences`), `diagnose` that names what is wrong with a derivative (`diagnosis`),
where primitives are singular (`singular`), and the step-size study (`stepsize`)."""

from autodiff.checking.diagnosis import Diagnosis, diagnose
from autodiff.checking.gradcheck import GradcheckError, GradcheckResult, gradcheck, gradgradcheck
from autodiff.checking.singular import singular_distance
from autodiff.checking.stepsize import StepSweep, step_sweep

__all__ = ["Diagnosis", "GradcheckError", "GradcheckResult", "StepSweep", "diagnose",
           "gradcheck", "gradgradcheck", "singular_distance", "step_sweep"]
