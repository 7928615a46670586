"""Demo data of the parcels system, registered with logistics.demo.register_demo_seeder."""
