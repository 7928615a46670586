"""Demo data of the lost-and-found system, registered with logistics.demo.register_demo_seeder."""
