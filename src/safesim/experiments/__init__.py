"""What runs the model many times: replicates, batches, sweeps,
sensitivity, comparison, optimisation, value of information and calibration."""
