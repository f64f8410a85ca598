"""The event envelope (shared/events.py): building, serialising, and refusing
messages that can never be handled."""
import copy
import datetime as dt
import json

import pytest

from shared.errors import PoisonMessage
from shared.events import CATALOGUE, Envelope

ACTIVITY = {"activity_id": "a1", "org_id": "br1", "org_path": ["c", "b", "k", "br1"],
            "kind": "ACTIVITY_DAY", "theme": "t", "held_on": "2017-06-03",
            "attendance": [{"member_id": "m1", "status": "PRESENT"}]}


def good():
    return Envelope.new("activity_recorded", "bureau-1", copy.deepcopy(ACTIVITY)).to_dict()


def poison(data, **kwargs):
    with pytest.raises(PoisonMessage) as err:
        Envelope.from_dict(data, **kwargs)
    return str(err.value)


# -- new / to_dict ------------------------------------------------------------------

def test_new_fills_in_id_version_and_time():
    env = Envelope.new("activity_recorded", "bureau-1", ACTIVITY)
    assert env.type == "activity_recorded"
    assert env.bureau_id == "bureau-1"
    assert env.payload == ACTIVITY
    assert env.schema_version == CATALOGUE["activity_recorded"].schema_version == 1
    assert isinstance(env.id, str) and len(env.id) == 32
    occurred = dt.datetime.fromisoformat(env.occurred_at)
    assert occurred.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.timezone.utc) - occurred) < dt.timedelta(minutes=1)


def test_each_new_event_has_its_own_id():
    ids = {Envelope.new("activity_recorded", "b", ACTIVITY).id for _ in range(50)}
    assert len(ids) == 50


def test_source_names_the_raising_service():
    assert Envelope.new("activity_recorded", "b", ACTIVITY).source == "activity"
    assert Envelope.new("points_posted", "b", {"source_event": "e", "year": 2017,
                                               "members": []}).source == "scoring"


def test_new_refuses_a_payload_missing_required_keys():
    payload = dict(ACTIVITY)
    del payload["held_on"]
    del payload["theme"]
    with pytest.raises(ValueError) as err:
        Envelope.new("activity_recorded", "b", payload)
    assert "held_on" in str(err.value) and "theme" in str(err.value)


def test_new_refuses_an_uncatalogued_type():
    with pytest.raises(KeyError):
        Envelope.new("activity_deleted", "b", {})


def test_to_dict_has_exactly_the_envelope_keys():
    env = Envelope.new("activity_recorded", "bureau-1", ACTIVITY)
    assert env.to_dict() == {
        "id": env.id, "type": "activity_recorded", "schema_version": 1,
        "occurred_at": env.occurred_at, "bureau_id": "bureau-1", "payload": ACTIVITY}


def test_round_trip():
    env = Envelope.new("activity_recorded", "bureau-1", ACTIVITY)
    assert Envelope.from_dict(env.to_dict()) == env


def test_round_trip_through_json():
    env = Envelope.new("supervision_item_opened", "bureau-1",
                       {"item_id": "i1", "org_id": "br1", "rule": "A1", "period": "2017-06"})
    back = Envelope.from_dict(json.loads(json.dumps(env.to_dict())))
    assert back == env
    assert back.source == "supervision"


def test_expected_type_is_accepted():
    assert Envelope.from_dict(good(), expect_type="activity_recorded").type == \
        "activity_recorded"


def test_extra_payload_keys_are_kept():
    data = good()
    data["payload"]["speaker_id"] = "m9"
    assert Envelope.from_dict(data).payload["speaker_id"] == "m9"


# -- from_dict: poison --------------------------------------------------------------------

@pytest.mark.parametrize("data", [None, "event", 42, ["id", "type"], b"{}"])
def test_non_dict_is_poison(data):
    assert "JSON object" in poison(data)


@pytest.mark.parametrize("key", ["id", "type", "schema_version", "occurred_at",
                                 "bureau_id", "payload"])
def test_missing_envelope_key_is_poison(key):
    data = good()
    del data[key]
    assert key in poison(data)


def test_unknown_type_is_poison():
    data = good()
    data["type"] = "activity_deleted"
    assert "activity_deleted" in poison(data)


@pytest.mark.parametrize("version", [2, 0, "1", None, True])
def test_wrong_schema_version_is_poison(version):
    data = good()
    data["schema_version"] = version
    assert "schema version" in poison(data)


def test_payload_missing_required_keys_is_poison():
    data = good()
    del data["payload"]["attendance"]
    assert "attendance" in poison(data)


def test_payload_not_an_object_is_poison():
    data = good()
    data["payload"] = ["a1"]
    assert "payload" in poison(data)


def test_unexpected_type_is_poison():
    data = Envelope.new("points_posted", "b", {"source_event": "e", "year": 2017,
                                               "members": []}).to_dict()
    message = poison(data, expect_type="activity_recorded")
    assert "activity_recorded" in message and "points_posted" in message


@pytest.mark.parametrize("event_id", ["", None, 17])
def test_bad_id_is_poison(event_id):
    data = good()
    data["id"] = event_id
    assert "id" in poison(data)


def test_poison_is_not_a_retryable_platform_error():
    from shared.errors import XianfengError
    assert not issubclass(PoisonMessage, XianfengError)
