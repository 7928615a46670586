"""Demo data of the dorms system, registered with logistics.demo.register_demo_seeder."""
