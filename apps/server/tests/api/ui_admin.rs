//! See the module of the same name under src/ui.
