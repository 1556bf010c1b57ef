"""Learning from outcomes: what fixed which kind of incident, and what that means next time.

- ``signature``: ``IncidentSignature``, what an incident looked like (class, platforms, failure
  signatures, alert names) and its stable key;
- ``cases``: the signature frozen per investigation when it is saved;
- ``record``: one labelled outcome (a verified or failed remediation, a feedback click, a
  rating, "what fixed it") filed under the signature, once;
- ``feedback``: the one flow the feedback buttons, the resolve modal and remediation outcomes
  go through;
- ``library``: the fix library (which actions and runbooks worked per signature);
- ``weigh``: the bounded adjustment history makes to an investigation (``Experience``);
- ``stats``: helpful share, top-1 accuracy over time, common fixes, automation rate.
"""
