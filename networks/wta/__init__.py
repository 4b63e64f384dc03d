"""Winner-take-all circuits that learn mixture models through STDP, and Bayesian networks of them.

Nessler, Pfeiffer, Buesing & Maass (2013), "Bayesian computation emerges in generic cortical
microcircuits through spike-timing-dependent plasticity", PLoS Comput Biol 9:e1003037: a WTA circuit
of K z-neurons with ``u_k = sum_i w_ki y_i + w_k0`` whose spikes sample ``k ~ softmax(u)``, with STDP
``dw_ki = eta (c exp(-w_ki) - 1)`` for inputs active shortly before the postsynaptic spike and
``-eta`` otherwise, performs online stochastic EM for a mixture model of its inputs.

Pecevski & Maass (2016), "Learning probabilistic inference through spike-timing-dependent
plasticity", eNeuro 3:e0048-15.2016: one WTA module per random variable, fed by its Markov blanket,
learns a Bayesian network from samples and then infers by sampling.

Modules:

* :mod:`~neurohw.networks.wta.rules` -- the plasticity rules, functions of spike times;
* :mod:`~neurohw.networks.wta.data` -- binarised 8x8 digits and a synthetic Bernoulli mixture,
  ON/OFF population codes, seeded rate-coded spike trains;
* :mod:`~neurohw.networks.wta.circuit` -- the WTA circuit in PyNN terms (NEST, emulator);
* :mod:`~neurohw.networks.wta.winner_rule` -- which z spikes count as the circuit's decision
  (every spike, or the first spike of a presentation: robust to a slow inhibition loop);
* :mod:`~neurohw.networks.wta.chip_calibration` -- calibrating the circuits a WTA occupies on an
  emulated chip to the circuit's own parameters;
* :mod:`~neurohw.networks.wta.training` -- the in-the-loop experiment and rule for ``neurohw.hil``;
* :mod:`~neurohw.networks.wta.onchip_training` -- the same loop with the input weights learned
  on the emulated bss2 chip (its plasticity processor runs the rule; ``--plasticity on-chip``);
* :mod:`~neurohw.networks.wta.metrics` -- accuracy, H(label | winner), component matching;
* :mod:`~neurohw.networks.wta.run` -- train and score in one call (``train_wta``);
* :mod:`~neurohw.networks.wta.bayesnet` -- the explaining-away network, module read-out, Gibbs
  sampling, KL and queries;
* :mod:`~neurohw.networks.wta.bayesnet_training` -- the modules learning it in the loop
  (``train_bayesnet``);
* :mod:`~neurohw.networks.wta.cli`, :mod:`~neurohw.networks.wta.bayesnet_cli` -- ``neurohw train
  wta`` and ``neurohw train bayesnet``.
"""
