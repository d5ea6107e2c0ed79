"""nn: neurons, layers and MLPs built only from `autodiff.Value` (in progress)."""
