"""The upgrade module: software-upgrade plans that governance schedules and operators follow."""
