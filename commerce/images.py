"""Product images: accepted by what their bytes are (never by their name or the browser's
word), stored under generated names, and served with headers that keep a crafted file from
running as a page."""

from django.http import FileResponse

MAX_IMAGE_BYTES = 2 * 1024 * 1024

# magic bytes → (MIME type, extension)
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
]


class InvalidImage(ValueError):
    pass


def image_kind(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a PNG, JPEG, GIF or WebP from its first bytes, else None.
    SVG is left out on purpose: it can carry script."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def image_check(upload) -> tuple[str, str]:
    if upload.size > MAX_IMAGE_BYTES:
        raise InvalidImage(f"The image is {upload.size / 2**20:.1f} MB; the limit is {MAX_IMAGE_BYTES // 2**20} MB.")
    upload.seek(0)
    kind = image_kind(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise InvalidImage("Upload a PNG, JPEG, GIF or WebP image.")
    return kind


def image_response(product) -> FileResponse:
    """The product's image for a view to return (the view decides who may see it)."""
    response = FileResponse(product.image.open("rb"), content_type=product.image_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600"
    return response
