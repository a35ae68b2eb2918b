"""HTTP control endpoints (``/_fake/...``) for tools outside Python, such as the demo."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.fakeapi.models import (
    FakeUser,
)
from bot.fakeapi.observing import Observing
from bot.fakeapi.people import UserSide
from bot.fakeapi.protocol import (
    JsonDict,
)


class ControlEndpoints(UserSide, Observing):
    """The ``/_fake/...`` HTTP endpoints, used by the demo and tools outside Python."""

    @staticmethod
    async def _ctl_body(request: web.Request) -> JsonDict:
        try:
            body = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="JSON body expected") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return body

    def _ctl_user(self, body: Mapping[str, Any]) -> FakeUser:
        try:
            user = self._users.get(int(body.get("user_id", 0)))
        except (TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text="user_id must be an integer") from exc
        if user is None:
            raise web.HTTPNotFound(text="unknown user_id")
        return user

    async def _ctl_users(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        user = self.new_user(
            str(body.get("first_name", "Léa")),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "fr"),
        )
        return self._response(200, {"ok": True, "result": {**user.to_dict(), "chat_id": user.id}})

    async def _ctl_send_text(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        update_id = self.send_text(self._ctl_user(body), str(body.get("text", "")))
        return self._response(200, {"ok": True, "result": {"update_id": update_id}})

    async def _ctl_press_button(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        user = self._ctl_user(body)
        try:
            query_id = self.press_button(
                user,
                int(body["message_id"]),
                text=body.get("text"),
                index=body.get("index"),
                data=body.get("data"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return self._response(400, {"ok": False, "description": str(exc)})
        return self._response(200, {"ok": True, "result": {"callback_query_id": query_id}})

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"])
        except (KeyError, ValueError):
            return self._response(400, {"ok": False, "description": "chat_id expected"})
        result = []
        for m in self.messages(chat_id):
            item = dataclasses.asdict(m)
            item.pop("raw")
            item.pop("photo")
            document = item.pop("document")
            item["document"] = (
                None
                if document is None
                else {"filename": document["filename"], "size": len(document["content"])}
            )
            item["buttons"] = [[dataclasses.asdict(b) for b in row] for row in m.buttons]
            result.append(item)
        return self._response(200, {"ok": True, "result": result})
