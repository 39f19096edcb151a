"""Services: the only code that writes analyses to the database and calls the core.

Entry points (API views, pages, the WebSocket consumer, admin actions, Celery tasks, management
commands) parse their input, check permission and call one function of these modules:

* :mod:`.submission`: store an upload or a re-run as a queued analysis and send it to the
  executor (:func:`~.submission.analysis_create`, :func:`~.submission.analysis_rerun`).
* :mod:`.running`: run a queued analysis with the core and store what it produced
  (:func:`~.running.analysis_run`, :func:`~.running.analysis_snapshot`).
* :mod:`.exports`: the downloadable files of a finished analysis
  (:func:`~.exports.analysis_export` and the errors it raises).
* :mod:`.recovery`: re-queue or fail runs whose worker stopped
  (:func:`~.recovery.analyses_sweep_stuck`).
* :mod:`.deletion`: delete an analysis with its input file (:func:`~.deletion.analysis_delete`).
* :mod:`.notifications`: the e-mail to the owner when a run ends.
* :mod:`.inputs` and :mod:`.persistence`: shared helpers (the stored input handed to the core;
  the core's tables written as rows).

Imports run one way: submission and recovery send runs through ``..execution``, which calls
:mod:`.running` (or sends a Celery message naming the task); running never imports execution.
This package's ``__init__`` imports none of its modules, so importing one loads only what that
one needs.
"""
