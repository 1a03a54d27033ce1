"""The report PDF's worker process: ``annexa.core.pdf_worker``, shared with the other PDFs."""

from annexa.core.pdf_worker import main, write_pdf

__all__ = ["main", "write_pdf"]
