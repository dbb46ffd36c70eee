"""footfit's front ends: the command line, batches, the kiosk service and its page.

Everything a person or another program talks to lives here, on top of the fitting line
(:mod:`footfit.pipeline`): :mod:`footfit.app.cli` (the ``footfit`` command),
:mod:`footfit.app.batch` and :mod:`footfit.app.batch_dask` (folders of scans, locally or on
Dask), :mod:`footfit.app.service` and :mod:`footfit.app.kiosk` (the local HTTP service and its
page), :mod:`footfit.app.sandbox` (worker processes that contain a bad scan) and
:mod:`footfit.app._errors` (which error gives which exit code and HTTP status). Nothing is
imported here: ``footfit --help`` loads only what it needs.
"""
