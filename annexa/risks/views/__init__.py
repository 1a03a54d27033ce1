"""Web pages of the risks app: the risk register and its heat maps (``risks``), the
methodology (``methodology``) and the asset inventory (``assets``)."""
