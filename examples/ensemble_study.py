"""Ensemble noise vs Poisson noise: the study behind the README numbers of the ensemble section.

    python examples/ensemble_study.py                 # NEST, default budget (a few minutes)
    python examples/ensemble_study.py emulator quick  # emulated chip, smoke-test budget

Twenty 5-neuron LIF sampling networks are each other's only noise source (Dold et al. 2019); the
same networks with private Poisson noise are the baseline. Both are trained in the loop with CD
towards their own random Boltzmann targets with the same budget; the script prints the median
D_KL of each condition and writes plots and ``ensemble_report.json`` to ``ensemble_out/``.
"""

import sys

from neurohw.networks.ensemble import run_ensemble_study

backend = sys.argv[1] if len(sys.argv) > 1 else "nest"
quick = len(sys.argv) > 2 and sys.argv[2] == "quick"
report = run_ensemble_study(backend, quick=quick, seed=1, out=f"ensemble_out/{backend}",
                            progress=True)
print(f"{backend}: median D_KL over {len(report['dkl_final'])} networks (nats)")
print(f"  Poisson noise, direct mapping:   {report['median_dkl_poisson_untrained']:.4f}")
print(f"  Poisson noise, trained:          {report['median_dkl_poisson_trained']:.4f}")
print(f"  ensemble noise, direct mapping:  {report['median_dkl_ensemble_untrained']:.4f}")
print(f"  ensemble noise, trained:         {report['median_dkl_final']:.4f}")
print(f"  ratio ensemble / Poisson (trained): {report['ratio_ensemble_to_poisson']:.2f}")
for label, parts in report["dkl_decomposition"].items():
    print(f"  {label}: moment part {parts['median_moment']:.4f} (what CD can still fix), "
          f"higher-order part {parts['median_higher_order']:.4f} (noise structure + finite window)")
print(f"  random sources while the ensemble runs: {report['random_sources']}")
events = report["host_input_events"]
print(f"  host input events: ensemble {events['ensemble_total']} (start-up kick only); Poisson "
      f"noise as host input would need {events['poisson_as_host_input_per_bio_ms']:.0f} per "
      "biological ms")
