"""The model: the city, its households and offenders, the cell fields, the
interventions, the scenario file and the outcome registry."""
