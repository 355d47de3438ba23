//! FlexDesk desktop entry point: everything lives in the library so it can be tested and reused.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    flexdesk_desktop::run();
}
