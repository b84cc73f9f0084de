"""Many paths at once: seeded price paths, the vectorized replay of cross and isolated accounts,
Monte Carlo odds and an exchange-level market model. Built on :mod:`marginlab.engine` only.

    paths       seeded price paths (GBM, jumps, correlated, stylized crashes, CSV loader)
    basis       the mark as index + a fading basis shock, funding rates from the premium
    replay      the vectorized replay (numpy) and the same scenario through the event engine
    montecarlo  how likely is liquidation, with confidence intervals
    market      a crowd of traders, liquidation cascades, insurance fund, ADL and socialized loss
"""
