"""The ensemble study uses the emulated chip calibrated unless told otherwise."""

from neurohw.networks.ensemble import emulator_setup_kwargs
from neurohw.networks.ensemble.cli import build_parser, main, setup_kwargs_from_args


def test_the_study_calibrates_the_chip_by_default():
    assert emulator_setup_kwargs({"chip_seed": 2, "seed": 3}) == {
        "chip_seed": 2, "seed": 3, "calibration": "auto"}
    assert emulator_setup_kwargs(None) == {"calibration": "auto"}


def test_an_explicit_calibration_or_the_ideal_chip_is_kept():
    assert emulator_setup_kwargs({"calibration": None}) == {"calibration": None}
    assert emulator_setup_kwargs({"calibration": "chip.npz"}) == {"calibration": "chip.npz"}
    assert emulator_setup_kwargs({"ideal": True}) == {"ideal": True}


def _kwargs(*argv: str) -> dict:
    return setup_kwargs_from_args(build_parser().parse_args(list(argv)))


def test_cli_calibration_none_means_uncalibrated_and_default_leaves_it_to_the_study():
    assert _kwargs("--backend", "emulator", "--chip-seed", "1") == {"seed": 1, "chip_seed": 1}
    assert _kwargs("--backend", "emulator", "--calibration", "none") == {
        "seed": 1, "calibration": None}
    assert _kwargs("--backend", "emulator", "--calibration", "auto", "--seed", "4") == {
        "seed": 4, "calibration": "auto"}


def test_cli_rejects_emulator_options_on_nest(capsys):
    assert main(["--backend", "nest", "--calibration", "auto"]) == 2
    assert "emulator only" in capsys.readouterr().err


def test_a_calibration_object_is_named_by_its_id_in_reports():
    from types import SimpleNamespace

    from neurohw.networks.ensemble.study import describe_setup

    described = describe_setup({"chip_seed": 1, "calibration": SimpleNamespace(id="abc123")})
    assert described == {"chip_seed": 1, "calibration": "calibration:abc123"}
    assert describe_setup({"calibration": "auto"}) == {"calibration": "auto"}
