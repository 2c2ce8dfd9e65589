DROP TABLE data_stamps;
