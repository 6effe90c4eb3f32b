"""w2v: fast word2vec training and querying from the command line and from Python."""

__version__ = "0.1.0"

from .api import save, train  # noqa: E402
from .errors import W2VError  # noqa: E402

__all__ = ["train", "save", "W2VError", "__version__"]
