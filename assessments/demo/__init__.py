"""Demo data built through the services people use (development and the browser tests).

people.py     organisations' people, the committee, groups and second factors
register.py   SRPs, organisations, their first systems and the assurance before the portal
meetings.py   the SSC meetings and the conflict declared at one
scenarios.py  cases and assessments at a named stage, each step a service call
seed.py       the whole demo in dependency order, run by `manage.py seed_demo`
"""
