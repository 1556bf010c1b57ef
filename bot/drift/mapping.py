"""What drift compares (``mapping.yaml``), validated on load: per resource kind the
CloudFormation and Terraform types, the live reader, and each attribute's path and shape."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from bot.configfile import FrozenModel
from bot.errors import ConfigError
from bot.yamlloc import format_loc, load_yaml

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")

Shape = Literal["str", "int", "bool", "tags_kv", "tags_map", "cfn_ingress", "tf_ingress"]


class Attribute(FrozenModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    cloudformation: str | None = None
    cfn_shape: Shape | None = None
    terraform: str | None = None
    tf_shape: Shape | None = None

    @model_validator(mode="after")
    def _shaped(self) -> Attribute:
        if (self.cloudformation is None) != (self.cfn_shape is None):
            raise ValueError(f"{self.name}: cloudformation and cfn_shape go together")
        if (self.terraform is None) != (self.tf_shape is None):
            raise ValueError(f"{self.name}: terraform and tf_shape go together")
        return self


class Kind(FrozenModel):
    live: str
    cloudformation: str | None = None
    terraform: str | None = None
    terraform_id: str = "id"
    attributes: list[Attribute] = Field(min_length=1)


class Mapping(FrozenModel):
    kinds: list[Kind] = Field(min_length=1)

    def for_cloudformation(self, type_name: str) -> Kind | None:
        return next((k for k in self.kinds if k.cloudformation == type_name), None)

    def for_terraform(self, type_name: str) -> Kind | None:
        return next((k for k in self.kinds if k.terraform == type_name), None)


def parse_mapping(text: str, origin: str = "mapping.yaml") -> Mapping:
    try:
        return Mapping.model_validate(load_yaml(text))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{origin}: {format_loc(tuple(first['loc']))}: {first['msg']}") from None


@lru_cache(maxsize=1)
def mapping() -> Mapping:
    """The shipped mapping, loaded once."""
    return parse_mapping(MAPPING_FILE.read_text(), str(MAPPING_FILE))
