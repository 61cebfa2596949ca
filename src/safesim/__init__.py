"""safesim: agent-based simulation of community-safety programmes on a city grid."""

__version__ = "0.1.0"
