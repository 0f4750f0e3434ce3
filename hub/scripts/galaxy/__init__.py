"""The script library as an ansible-galaxy collection: scripts in, tarball out, and back.

Pure, like the job compiler: plain data in, bytes out; no database, no clock. Export builds
the artifact the way `ansible-galaxy collection build` does (MANIFEST.json and FILES.json
with sha256 checksums first, then every directory and file) with fixed timestamps, so the
same library gives the same bytes. Unlike `build`, galaxy.yml is kept in the artifact (and
in FILES.json): an installed collection is then a complete source tree that `ansible-lint`
checks as a collection.

Layout of one role per script (`roles/<role>/`):
  defaults/main.yml          parameter defaults as `<role>_<param>` (secrets: empty string)
  meta/argument_specs.yml    types, required, choices, no_log for secrets
  meta/main.yml              galaxy_info
  meta/hub.yml               what Ansible files cannot hold: the script's name, category,
                             tags and the parameter names behind the role variables
  tasks/main.yml             ansible.builtin.script with the parameters as environment
                             variables and quoted positional arguments, as the hub runs it
  files/<role>.<ext>         the script

Import reads roles back: a role that is exactly one script task becomes a script entry; a
role that does more (handlers, templates, several tasks or files, dependencies) becomes a
playbook entry that applies the role, its files kept (a collection's roles with the
collection's plugins, under collections/); a role that cannot be kept (binary files, a
missing dependency) is refused with the reason. It reads them (from a collection tarball
or a .tar.gz/.zip of a roles directory) with safe, in-memory extraction: no absolute paths,
no `..`, no links, bounded sizes.

The hub's own collection (hub.ops, under playbooks/) is built from its source tree the same
way (source.py reads it as `ansible-galaxy collection build` does).
"""

from hub.scripts.galaxy.archive import MAX_ARCHIVE_BYTES, ArchiveError, read_archive
from hub.scripts.galaxy.build import (
    COLLECTION_NAME,
    CollectionSpec,
    ScriptSpec,
    build_artifact,
    build_collection,
    collection_files,
    role_name,
)
from hub.scripts.galaxy.parse import ImportedRole, parse_archive
from hub.scripts.galaxy.source import CollectionSource, read_source

__all__ = [
    "COLLECTION_NAME",
    "MAX_ARCHIVE_BYTES",
    "ArchiveError",
    "CollectionSource",
    "CollectionSpec",
    "ImportedRole",
    "ScriptSpec",
    "build_artifact",
    "build_collection",
    "collection_files",
    "parse_archive",
    "read_archive",
    "read_source",
    "role_name",
]
