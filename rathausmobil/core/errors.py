class DomainError(Exception):
    """A rule of the domain said no. The message is German and meant for the user.

    Views turn it into a message, the API into 409 Conflict.
    """

    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code
