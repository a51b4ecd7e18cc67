"""The demo's tour (`ui.demo.tour`): what a new user tries first."""
