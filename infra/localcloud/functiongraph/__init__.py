"""FunctionGraph emulation: handlers run in-process behind SMN, timer and APIG triggers.

``runtime`` registers and invokes functions, ``context`` is the handler's context object,
``events`` builds trigger events, ``gateway`` is the APIG front door, and ``specs`` is the
contract with the world loader and the SMN backend.
"""
