"""Request-level behaviour of scenarios, free of any web framework.

* :mod:`~mock_ksef.traffic.routes`: KSeF route templates and their rate-limit groups;
* :mod:`~mock_ksef.traffic.faults`: which scripted fault hits a request (counted in the store);
* :mod:`~mock_ksef.traffic.limiter`: the counting rate limiter and the limits in force;
* :mod:`~mock_ksef.traffic.journal`: the request journal, ordered by request start;
* :mod:`~mock_ksef.traffic.gate`: :class:`~mock_ksef.traffic.gate.TrafficControl`, the
  three above over narrow inputs (a store, a clock reading, the seed and journal size).

The Flask adapter is :mod:`mock_ksef.http.traffic_edge`: it turns a request into an
:class:`~mock_ksef.traffic.gate.Arrival`, asks the gate, renders its answers and writes
the journal entry (``docs/architecture.md``, "Request path").
"""
