"""The exact engine: money, contracts, venue rules, positions, risk, accounts, the exchange,
liquidation and ADL. It imports nothing from the simulation or the course.

Modules, from the bottom up (each imports only those below it)::

    errors      one exception class per learner mistake
    numbers     reading the numbers a learner types (exact Decimals)
    money       rounding to the settlement unit, and the Ledger of named places
    events      the plain-English event log
    rulebook    every venue rule once, as pure functions of Decimals or numpy arrays
    contracts   contract specifications and margin tiers
    position    one position: a value changed only by fills
    adl         the auto-deleveraging rankings
    rules       what venues choose differently (VenueRules and the presets)
    risk        the one risk function: equity, initial and maintenance margin of a bucket
    formulas    closed forms: liquidation, bankruptcy price, sizing
    orders      how a buy, a sell or a close fills: checks, money, fees
    account     a trader's cross wallet and isolated margins
    sharing     loss sharing: socialized loss, over open interest, clawback
    liquidation the liquidation pipeline, insurance fund, ADL and socialized loss
    book        liquidation fills through a linear order book
    unwinding   the liquidation policies: rounds of one step per liquidatable bucket
    premium     the index, premium samples and funding from the premium
    exchange    marks, accounts, funding, atomic actions
"""
