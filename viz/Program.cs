Console.WriteLine("engine-viz");
