"""Switches for every distortion of the emulated chip (``ideal()`` = all off)."""

from __future__ import annotations

from dataclasses import dataclass, fields, asdict


@dataclass(frozen=True)
class ChipSwitches:
    """One boolean per distortion; True means the chip shows it."""

    fixed_pattern_noise: bool = True
    dac_quantisation: bool = True
    weight_quantisation: bool = True
    fan_in_limit: bool = True
    chip_size_limit: bool = True
    host_bandwidth_limit: bool = True
    shared_noise_generators: bool = True
    membrane_noise: bool = True
    spike_time_quantisation: bool = True
    membrane_readout_quantisation: bool = True

    @classmethod
    def ideal(cls) -> "ChipSwitches":
        """Every distortion off: the emulator must then agree with NEST."""
        return cls(**{f.name: False for f in fields(cls)})

    @classmethod
    def realistic(cls) -> "ChipSwitches":
        """Every distortion on."""
        return cls(**{f.name: True for f in fields(cls)})

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)
