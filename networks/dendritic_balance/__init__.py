"""Efficient coding with dendritic vs somatic E-I balance (Mikulasch, Rudelt & Priesemann 2021).

Modules: :mod:`.rules` (plasticity rules), :mod:`.tasks` (correlated bars, whitened image
patches), :mod:`.model` (configuration, parameters), :mod:`.reference` (numpy simulation),
:mod:`.evaluation` (decoder loss, receptive fields), :mod:`.experiments` (loss vs correlation
and vs delay), :mod:`.pynn_network` and :mod:`.hil_training` (the in-the-loop PyNN version),
:mod:`.learning` (one learning step shared by all versions), :mod:`.plots` (receptive fields),
:mod:`.blas_threads` (single-threaded BLAS for the small products), :mod:`.cli`
(``neurohw train dendritic-balance``).
"""
