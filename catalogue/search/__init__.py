"""The catalogue's search layer: normalise (OpenCC) → segment (jieba + our dictionary) → index
(PostgreSQL tsvector+GIN, or SQLite FTS5) → query → highlight. Nothing here knows about measures;
``measures.search`` says what a measure's searchable text is."""
from .backends import backend_for  # noqa: F401
from .highlight import highlight, snippet  # noqa: F401
from .query import MAX_QUERY_LENGTH, ParsedQuery, QueryError, parse  # noqa: F401
from .segment import Segmenter, dictionary_version, tag  # noqa: F401
from .text import normalize, normalize_text, query_forms  # noqa: F401
