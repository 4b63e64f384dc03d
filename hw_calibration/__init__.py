"""Calibration of emulated chips by measurement."""
