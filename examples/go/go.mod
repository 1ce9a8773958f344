module boardwalk.example/recommend

go 1.19
