//! The simulation never depends on rendering or windowing.

#[test]
fn the_simulation_does_not_depend_on_a_renderer() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["tree", "-p", "pilotzone-sim", "-e", "normal", "--offline", "--prefix", "none"])
        .current_dir(crate::root())
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(tree.contains("bevy_ecs") && tree.contains("rapier3d"), "the tree is the simulation's: {tree}");
    for banned in ["bevy_render", "bevy_winit", "wgpu", "winit"] {
        assert!(!tree.lines().any(|l| l.starts_with(&format!("{banned} "))), "pilotzone-sim depends on {banned}");
    }
}
