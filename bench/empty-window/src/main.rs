//! An empty Tauri window: the baseline the FlexDesk shell is measured against.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the empty window could not start");
}
