"""Finance: funds (roll-forward), financing and the actuarial indicators."""
