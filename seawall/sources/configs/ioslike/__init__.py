"""Pieces shared by the parsers of Cisco IOS-style dialects (IOS/IOS XE, ASA, Arista EOS).

These dialects share one statement grammar: indentation blocks, ``no``/``default`` prefixes,
``username``/``aaa``/``snmp-server``/``logging``/``ntp`` statements, interface blocks and
Cisco-style ACL entries. Each dialect module keeps its own dispatch table (first word ->
handler) and reuses the handlers here; the :class:`~.context.Ctx` carries the model being
built and the cross-references (route maps, OSPF networks, BGP groups) resolved at the end.
"""
