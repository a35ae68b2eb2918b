"""Bot API methods on files: sendDocument, sendPhoto (uploads, file ids, URLs) and getFile."""

from __future__ import annotations

import mimetypes

from bot.fakeapi.messages import MessageMethods
from bot.fakeapi.models import (
    Call,
    SentDocument,
    SentMessage,
    StoredFile,
)
from bot.fakeapi.protocol import (
    MAX_CAPTION_LENGTH,
    ApiError,
    JsonDict,
)


class MediaMethods(MessageMethods):
    """sendDocument, sendPhoto and getFile."""

    def _upload(self, call: Call, field_name: str, kind: str) -> StoredFile:
        """The file of a send* call: an uploaded part, an attach:// reference, a known file_id
        or a URL (stored empty: the fake never fetches anything)."""
        value = call.params.get(field_name)
        upload = call.files.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value} not found in the request")
        if upload is not None:
            if not upload.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self._store_file(kind, upload.content, upload.filename, upload.mime_type)
        if isinstance(value, str) and value:
            known = self._files.get(value) or self._files.get(value.removesuffix("s"))
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return self._store_file(kind, b"", name, mime)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {field_name} in the request")

    async def _send_media(self, call: Call, kind: str) -> JsonDict:
        params = call.params
        caption, plain, entities, parse_mode = self._format(params, "caption", "caption_entities")
        if len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._markup(params)
        chat = self._resolve_chat(params)
        chat_id = int(chat["id"])
        reply_to = self._reply_to(params, chat_id)
        extra: JsonDict = self._thread_extra(params, chat)
        stored = self._upload(call, kind, kind)
        self._check_rate(chat)
        document: SentDocument | None = None
        photo: bytes | None = None
        if kind == "document":
            filename = stored.filename or "document"
            mime = stored.mime_type or "application/octet-stream"
            document = SentDocument(filename, stored.content, mime, stored.file_id)
            extra["document"] = {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
        else:
            photo = stored.content
            extra["photo"] = self._photo_sizes(stored)
        if plain:
            extra["caption"] = plain
        if entities:
            extra["caption_entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        message = SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text="",
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
            document=document,
            photo=photo,
            caption=caption or None,
            date=self._now(),
        )
        self._render_raw(message, chat, extra)
        return self._deliver(message)

    async def _send_document(self, call: Call) -> JsonDict:
        return await self._send_media(call, "document")

    async def _send_photo(self, call: Call) -> JsonDict:
        return await self._send_media(call, "photo")

    async def _get_file(self, call: Call) -> JsonDict:
        file_id = self._str(call.params, "file_id") or ""
        stored = self._files.get(file_id) or self._files.get(file_id.removesuffix("s"))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }
