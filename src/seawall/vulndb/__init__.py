"""The vulnerability database: OSV import (:mod:`.importer`), SQLite store (:mod:`.store`),
matching (:mod:`.match`), CVSS scoring (:mod:`.cvss`), VEX (:mod:`.vex`) and SBOM input
(:mod:`.sbom_input`)."""
