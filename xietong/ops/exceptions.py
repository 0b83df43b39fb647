class WorkerLost(Exception):
    """The worker running a task stopped (killed, host lost) before the task finished."""
