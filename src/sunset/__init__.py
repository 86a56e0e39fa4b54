"""sunset: retire a legacy access network without losing anyone's money or number."""

__version__ = "0.1.0"
